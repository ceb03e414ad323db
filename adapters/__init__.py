"""The world around the core: settings, database, SFTP, file formats, web and CLI."""
