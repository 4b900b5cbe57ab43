"""Other tools' file formats: reading them into a suite and writing a suite out as them."""
