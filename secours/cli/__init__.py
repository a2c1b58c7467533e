"""The ``secours`` command line: one module per subcommand.

Layout:
    main.py     parser, dispatch, and the mapping of errors to exit codes (0 ok, 1 failed, 2 usage)
    common.py   broker selection shared by subcommands (--bootstrap, --broker, SECOURS_BOOTSTRAP)
    broker.py   secours broker start|stop|status
    run.py      secours run: all services (or --only/--without) until interrupted
    drill.py    secours drill run|validate|list
    topics.py   secours topics: the topic contract
"""
