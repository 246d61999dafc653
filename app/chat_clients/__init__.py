"""The coach for any chat client: the models of the OpenAI-compatible endpoint, and what they do."""
