"""File formats: one parser protocol, one parser per format, detection by content."""
