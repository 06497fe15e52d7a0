-- Removes the fill socket (<prefix>/stream.sock) left behind when nginx was killed, before nginx binds it again:
-- nginx does not replace an existing socket file, so after a crash it would fail to start with "Address in use".
-- Runs from init_by_lua, which nginx executes before it opens its listening sockets. A socket that still accepts
-- connections belongs to a running master (this is a reload) and is left alone.
local ffi = require "ffi"
local C = ffi.C

ffi.cdef [[
struct estrena_sockaddr_un { unsigned short sun_family; char sun_path[108]; };
int socket(int domain, int type, int protocol);
int connect(int fd, const void *addr, unsigned int len);
int close(int fd);
]]

local AF_UNIX, SOCK_STREAM = 1, 1

return function(path)
  if #path >= 108 then return end
  local fd = C.socket(AF_UNIX, SOCK_STREAM, 0)
  if fd < 0 then return end
  local addr = ffi.new("struct estrena_sockaddr_un")
  addr.sun_family = AF_UNIX
  ffi.copy(addr.sun_path, path)
  local live = C.connect(fd, addr, ffi.sizeof(addr)) == 0
  C.close(fd)
  -- Nothing there (a first start) or nobody listening (left by a crash): remove is harmless or needed.
  if not live then os.remove(path) end
end
