"""One module per `glr` subcommand, each with register(subparsers) and run(args)."""
