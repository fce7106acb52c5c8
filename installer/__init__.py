"""Packaging (打包): the PyInstaller bundle, the .deb and the Windows installer script. See README.md here."""
