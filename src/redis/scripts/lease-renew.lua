--[[
  Renews a lease only while the caller still holds it.

  KEYS[1] the lease
  ARGV[1] the holder's token
  ARGV[2] the new time to live, ms

  Returns 1 when renewed, 0 when someone else holds it (or nobody).
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end
