"""Commands: one orchestration function per CLI command. Each takes plain values, reports progress through a
`say` callback (the CLI prints it), returns a result and raises schemagen.errors for failures; none prints,
reads the environment or exits (cli.py does)."""
