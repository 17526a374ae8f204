"""The Docker Engine API (1.44) on a unix socket: `dockerlab daemon`.

serve.py      bind the socket (root:dockerlab 0660), run until SIGTERM
server.py     threaded HTTP/1.1 server, routes, versioned paths, JSON errors
httpio.py     one request: query, sized/chunked body, JSON / chunked / hijacked answers
permissions.py  root and the group only (SO_PEERCRED), a 403 for others
containers.py archive.py attach.py execs.py images.py build.py netvol.py system.py extras.py
distribution.py
              the endpoints, thin calls into dockerlab.engine.engine.Engine
relay.py      shim frames <-> hijacked client streams (raw with a tty, multiplexed without)
shapes.py     list summaries (ps, images) made from the engine's inspect documents
progress.py   JSON-lines progress answers (pull, load, build) with dockerd's error rule
socketmount.py  -v /var/run/docker.sock:... points at dockerlab's socket
ondemand.py   ...and starts the root's daemon for it when none runs
Events come from engine/events.py (a journal file shared by every process).
"""
