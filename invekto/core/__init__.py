"""The lowest layer: helpers every other package may use (text folding, phones, locale words,
the tenant's typed settings). It imports nothing of Invekto's."""
