#!/usr/bin/env python3
"""Extract the schema fragments zoom-sim uses from Zoom's OpenAPI files.

Keeps only structure: type, properties, required, enum, items (plus allOf/oneOf/anyOf
flattened where simple). No descriptions, examples or other prose.

Usage: python3 extract.py SRC_DIR [out_dir]

SRC_DIR holds Zoom's published OpenAPI documents, saved under these names:

  meetings-endpoints.json      https://developers.zoom.us/api-hub/meetings/methods/endpoints.json
  users-endpoints.json         https://developers.zoom.us/api-hub/users/methods/endpoints.json
  meetings-webhooks.json       https://developers.zoom.us/api-hub/meetings/events/webhooks.json
  marketplace-webhooks.json    https://developers.zoom.us/api-hub/marketplace/events/webhooks.json

out_dir defaults to this script's directory (rest.json and webhooks.json are committed
there; see docs/zoom.md).
"""
import json
import os
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__)
SRC = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))

KEEP = ("type", "required", "enum")


def resolve(doc, s):
    while isinstance(s, dict) and "$ref" in s:
        ref = s["$ref"]
        node = doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        s = node
    return s


def strip(doc, s, depth=0):
    s = resolve(doc, s)
    if not isinstance(s, dict) or depth > 12:
        return {}
    out = {}
    for key in ("allOf", "oneOf", "anyOf"):
        if key in s:
            parts = [strip(doc, x, depth + 1) for x in s[key]]
            if key == "allOf":
                merged = {"type": "object", "properties": {}, "required": []}
                for p in parts:
                    merged["properties"].update(p.get("properties", {}))
                    merged["required"] += p.get("required", [])
                    if "type" in p and p["type"] != "object":
                        merged["type"] = p["type"]
                if not merged["required"]:
                    del merged["required"]
                out.update(merged)
            else:
                out[key] = parts
    for k in KEEP:
        if k in s:
            out[k] = s[k]
    if "properties" in s:
        out.setdefault("properties", {})
        for name, sub in s["properties"].items():
            out["properties"][name] = strip(doc, sub, depth + 1)
        out.setdefault("type", "object")
    if "items" in s:
        out["items"] = strip(doc, s["items"], depth + 1)
    return out


def body_schema(doc, op):
    rb = op.get("requestBody", {})
    return strip(doc, rb.get("content", {}).get("application/json", {}).get("schema", {}))


def resp_schema(doc, op, code):
    r = op.get("responses", {}).get(code, {})
    return strip(doc, r.get("content", {}).get("application/json", {}).get("schema", {}))


def main():
    meet = json.load(open(os.path.join(SRC, "meetings-endpoints.json")))
    users = json.load(open(os.path.join(SRC, "users-endpoints.json")))
    mwh = json.load(open(os.path.join(SRC, "meetings-webhooks.json")))
    mkt = json.load(open(os.path.join(SRC, "marketplace-webhooks.json")))
    mp, up = meet["paths"], users["paths"]
    rest = {
        "meetingCreate.request": body_schema(meet, mp["/users/{userId}/meetings"]["post"]),
        "meetingCreate.201": resp_schema(meet, mp["/users/{userId}/meetings"]["post"], "201"),
        "meetings.200": resp_schema(meet, mp["/users/{userId}/meetings"]["get"], "200"),
        "meeting.200": resp_schema(meet, mp["/meetings/{meetingId}"]["get"], "200"),
        "meetingUpdate.request": body_schema(meet, mp["/meetings/{meetingId}"]["patch"]),
        "webinarCreate.request": body_schema(meet, mp["/users/{userId}/webinars"]["post"]),
        "webinarCreate.201": resp_schema(meet, mp["/users/{userId}/webinars"]["post"], "201"),
        "webinar.200": resp_schema(meet, mp["/webinars/{webinarId}"]["get"], "200"),
        "webinars.200": resp_schema(meet, mp["/users/{userId}/webinars"]["get"], "200"),
        "webinarPanelistCreate.request": body_schema(meet, mp["/webinars/{webinarId}/panelists"]["post"]),
        "webinarPanelistCreate.201": resp_schema(meet, mp["/webinars/{webinarId}/panelists"]["post"], "201"),
        "webinarPanelists.200": resp_schema(meet, mp["/webinars/{webinarId}/panelists"]["get"], "200"),
        "pastMeetingParticipants.200": resp_schema(meet, mp["/past_meetings/{meetingId}/participants"]["get"], "200"),
        "reportMeetingParticipants.200": resp_schema(meet, mp["/report/meetings/{meetingId}/participants"]["get"], "200"),
        "recordingGet.200": resp_schema(meet, mp["/meetings/{meetingId}/recordings"]["get"], "200"),
        "user.200": resp_schema(users, up["/users/{userId}"]["get"], "200"),
        "users.200": resp_schema(users, up["/users"]["get"], "200"),
        "userToken.200": resp_schema(users, up["/users/{userId}/token"]["get"], "200"),
    }
    wh = {}
    for ev in ["meeting.started", "meeting.ended", "meeting.created", "meeting.deleted",
               "meeting.participant_joined", "meeting.participant_left", "recording.completed",
               "webinar.started", "webinar.ended"]:
        op = mwh["webhooks"][ev]["post"]
        wh[ev] = strip(mwh, op["requestBody"]["content"]["application/json"]["schema"])
    op = mkt["webhooks"]["app_deauthorized"]["post"]
    wh["app_deauthorized"] = strip(mkt, op["requestBody"]["content"]["application/json"]["schema"])
    for name, data in (("rest.json", rest), ("webhooks.json", wh)):
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()
