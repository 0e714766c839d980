--[[
  Admits one more request to a webhook endpoint if fewer than the limit are open. Expired holders
  go first: a holder expires on its own, so a crashed worker never keeps its slot.

  KEYS[1] the endpoint's open requests (sorted set, score: when the holder expires)
  ARGV[1] now, ms
  ARGV[2] the limit
  ARGV[3] when this holder expires, ms
  ARGV[4] this holder's id
  ARGV[5] ms the set lives after its last change

  Returns 1 when admitted, 0 when the endpoint is at its limit.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
