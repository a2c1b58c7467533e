"""The message contract of secours, generated from the code, for systems that talk to it without importing it.

``secours.contract.asyncapi`` builds the AsyncAPI 3.0.0 document of every topic, record type and
actor (``docs/asyncapi.yaml``) and the JSON Schema of one line of a drill's ``journal.jsonl``
(``docs/journal.schema.json``); ``secours contract`` writes them. ``docs/contract.md`` explains them
to an EDI provider writing its own relay.
"""
