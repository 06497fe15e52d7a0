#!/bin/sh
# compose health check: the gateway's /healthz is 200, which it answers only when the catalogue, MinIO and Redis are
# usable through it (Redis down still gives 200, naming the degradation): traffic flows, not just "nginx is up".
code=$(node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>console.log(r.status),()=>console.log(0))")
[ "$code" = 200 ]
