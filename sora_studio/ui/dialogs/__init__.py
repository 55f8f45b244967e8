"""Small dialogs that ask for what an operation on a clip needs before it goes to the engine."""
