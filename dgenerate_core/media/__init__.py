"""Reading and writing media: static images (``images``); animations come later."""
