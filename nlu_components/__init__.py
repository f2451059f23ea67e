"""Custom Rasa graph components referenced from config.yml."""
