"""Fault injection: what can go wrong, and the seams where it is made to go wrong.

Layout:
    model.py       the fault kinds: one frozen pydantic model each, carrying the flags and hooks
                   the rest asks of it; the registered classes make the union and FAULT_KINDS
    controller.py  FaultController: the faults this process knows, their windows, and per-record decisions
    consume.py     ConsumeGate: the consume-side middleware (refuse, answer with an error, hold, pause)
    gate.py        PublishGate: the publish-side middleware (hold, delay, drop, duplicate, corrupt, reorder)
    plane.py       FaultPlane: commands on secours.faults in; lifecycle actions and start/end evidence out
    proxy.py       TcpProxy: a loopback TCP proxy between services and the broker, for network faults

Adding a fault kind: one subclass of ``FaultKind`` in model.py, with its ``kind`` literal, its
flags and the hooks it needs (``on_consume``, ``on_publish``, ``actuate``, ``unsupported``,
``scope_problem``); plus its actuator if it needs new machinery (as broker faults need the broker
process and network faults the proxy). No caller compares kind names: they ask the class.

The runtime (``secours.runtime``) wraps each service in the two gates; crash and restart are the
engine's (``secours.drills.engine``, for kinds that ``crashes``); broker pause, kill and network
modes are the kinds' ``actuate`` hooks, which the harness runs at a fault's start and end.
"""
