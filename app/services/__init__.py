"""Services: plain functions taking a Session; they return dataclasses, never live ORM objects."""
