"""Jobs: the file-in / file-out functions behind each command."""
