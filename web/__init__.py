"""The project's web app (port 8080): demo city pages with the chat widget, and the staff admin."""
