"""The Assets dock: browse local folders of pictures and clips, drag them into the desk."""
