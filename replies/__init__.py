"""What the bot says, in every language: the catalogue of its own words (replies/locales/),
how an entry reads, its buttons and cards, the city question, the fault reply, the wording
of staff replies. Imported by the actions, the channels and the web app alike; it imports
neither of them (and nothing of Rasa)."""
