--[[
  GCRA: takes one call of a limit shared by every process, on Redis's own clock (processes with
  skewed clocks agree). A refused call consumes nothing.

  KEYS[1] the limit's theoretical arrival time
  ARGV[1] interval between calls, ms
  ARGV[2] burst: calls allowed at once

  Returns {allowed: 1 or 0, wait ms until a call would be allowed, calls left in the burst}.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - now - burst * interval
if wait > 0 then return {0, math.ceil(wait), 0} end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now + interval))
return {1, 0, math.floor((now + burst * interval - new_tat) / interval)}
