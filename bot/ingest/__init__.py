"""Taking articles in: feeds, the inbox folder, files and uploaded documents."""
