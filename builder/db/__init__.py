"""Platform storage: tables, engine, migrations."""
