-- Argo CD health check for iot.gitops.dev/IoTJob (see docs/argocd.md for installing it).
--
-- Argo CD runs it with gopher-lua (Lua 5.1) and, by default, only the base, table and os
-- libraries: no string library, so nothing here calls string.* or a string method. `obj` is
-- the IoTJob; the result is {status = ..., message = ...}.
--
-- Ready=True means the job in AWS matches the spec, even while its rollout runs (a firmware
-- rollout can take days); the Healthy condition judges the rollout itself. In order:
--   no status, or status.observedGeneration behind metadata.generation -> Progressing
--   Stalled=True                                      -> Degraded (Stalled's message)
--   Healthy=False (Degraded, Aborted, CanceledInAWS)   -> Degraded (reason: message)
--   Ready=False and Reconciling=True                   -> Progressing (Reconciling's message)
--   Ready=False                                        -> Degraded (Ready's message)
--   Ready=True and spec.suspend=true                   -> Suspended (Ready's message)
--   Ready=True                                         -> Healthy (Ready's message)
--   Ready Unknown or not written yet                   -> Progressing
-- A deleted IoTJob (deletionTimestamp set) never reaches this script: Argo CD itself reports
-- it Progressing ("Pending deletion") until its finalizer is removed.

local hs = {}

local function present(s)
  return s ~= nil and s ~= ""
end

-- The first non-empty of the arguments, else "".
local function first(a, b, c)
  if present(a) then return a end
  if present(b) then return b end
  if present(c) then return c end
  return ""
end

local function condition(status, kind)
  if status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then return c end
  end
  return nil
end

local function is(c, value)
  return c ~= nil and c.status == value
end

local generation = nil
if obj.metadata ~= nil then generation = obj.metadata.generation end
local status = obj.status

local observed = status ~= nil and status.observedGeneration ~= nil
if observed and generation ~= nil then
  observed = status.observedGeneration >= generation
end
if not observed then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "waiting for the controller to observe generation " .. generation
  else
    hs.message = "waiting for the controller to write a status"
  end
  return hs
end

local ready = condition(status, "Ready")
local reconciling = condition(status, "Reconciling")
local stalled = condition(status, "Stalled")
local healthy = condition(status, "Healthy")

if is(stalled, "True") then
  hs.status = "Degraded"
  hs.message = first(stalled.message, stalled.reason, "stalled")
  return hs
end

if is(healthy, "False") then
  hs.status = "Degraded"
  if present(healthy.reason) and present(healthy.message) then
    hs.message = healthy.reason .. ": " .. healthy.message
  else
    hs.message = first(healthy.reason, healthy.message, "the rollout is not healthy")
  end
  return hs
end

if is(ready, "False") then
  if is(reconciling, "True") then
    hs.status = "Progressing"
    hs.message = first(reconciling.message, ready.message, reconciling.reason)
  else
    hs.status = "Degraded"
    hs.message = first(ready.message, ready.reason, "not ready")
  end
  return hs
end

if is(ready, "True") then
  local suspended = obj.spec ~= nil and obj.spec.suspend == true
  if suspended then
    hs.status = "Suspended"
    hs.message = first(ready.message, "suspended: spec.suspend is true")
  else
    hs.status = "Healthy"
    hs.message = first(ready.message, ready.reason)
  end
  return hs
end

hs.status = "Progressing"
if ready ~= nil then
  hs.message = first(ready.message, ready.reason, "waiting for the Ready condition")
else
  hs.message = "waiting for the Ready condition"
end
return hs
