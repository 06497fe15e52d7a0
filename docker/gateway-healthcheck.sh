#!/bin/sh
# compose health check: the gateway answers /healthz (200, or 503 when the catalogue is down — still "up").
code=$(node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>console.log(r.status),()=>console.log(0))")
[ "$code" != 0 ]
