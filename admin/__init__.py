"""The marketer console: Flask-Admin views, console users, roles and sign-in."""
