"""Docker Registry HTTP API v2: pull and push images, log in and out.

`client.RegistryClient` speaks to one registry (scheme, TLS with a CA file,
basic and bearer-token auth); `pull.pull` and `push.push` move images between
it and the ImageStore, reporting progress with Docker's lines;
`credentials.Credentials` is the `config.json` that `docker login` writes.
"""
