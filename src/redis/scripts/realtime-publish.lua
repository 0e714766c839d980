--[[
  Publishes an event to a workspace's real-time feed once: marks its id seen, appends it to the
  stream (trimmed approximately, which is cheap) and publishes it with the stream id it got, so an
  event is either kept and announced once or not at all.

  KEYS[1] the event's seen marker
  KEYS[2] the workspace's stream (same hash tag as KEYS[1])
  ARGV[1] seconds the seen marker lives
  ARGV[2] the stream's approximate length
  ARGV[3] the entry (JSON)
  ARGV[4] the workspace's pub/sub channel

  Returns the stream id, or false when the event was published before.
]]
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return false end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'entry', ARGV[3])
redis.call('PUBLISH', ARGV[4], '{"id":"' .. id .. '","entry":' .. ARGV[3] .. '}')
return id
