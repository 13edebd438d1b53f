"""HTTP routes of the emulator, one module per resource; `app.create_app` registers them."""
