"""Fault injection: what can go wrong, and the seams where it is made to go wrong.

Layout:
    model.py       the fault kinds, one frozen pydantic model each; their union is the registry
    controller.py  FaultController: the faults this process knows, their windows, and per-record decisions
    gate.py        PublishGate: the publish-side middleware (hold, delay, drop, duplicate, corrupt, reorder)
    plane.py       FaultPlane: commands on secours.faults in; lifecycle actions and start/end evidence out
    proxy.py       TcpProxy: a loopback TCP proxy between services and the broker, for network faults

The consume side lives in ``secours.runtime`` (a component down refuses, a queuing one waits, a
failing one answers with an error); crash and restart in ``secours.drills.engine``; broker pause,
kill and network modes are actions the harness runs at a fault's start and end.
"""
