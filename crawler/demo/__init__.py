"""The bundled offline demo: a news site written for newsarchive, served on 127.0.0.1."""
