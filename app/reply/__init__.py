"""The live-conflict chat coach.

``ChatCoach`` (service.py) turns one user message plus the conversation so far into one turn;
``Conversations`` (conversation.py) keeps sessions in the store around it. The rest are its
parts: signals (cues in a message), state (the running picture), intents, techniques (the
catalogue), planner and composer (the reply from templates), llm_writer and checks (a language
model's reply, and what it must pass), memory (recent messages and the summary), chunks (stream pieces).
"""
