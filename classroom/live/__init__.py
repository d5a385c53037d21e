"""The participatory classroom (`govsim class`): one shared street, students playing roles from their phones.

`street.py` holds the class (players, rounds, decisions, save and resume), `roles.py` the four
roles (places, views, checked decisions, the simulated rule's), `server.py` the HTTP server and
`pages/` its plain HTML and JavaScript, `debrief.py` the projector's state and the debrief,
`words.py` every word in Chinese and English. Decisions reach the model only through
`model/overrides.py`.
"""
