#!/usr/bin/env python3
"""Extract the shape fragments payments-sim uses from Stripe's and PayPal's published files.

Keeps only structure: type, properties, required, enum, items (allOf merged, oneOf/anyOf
kept). No descriptions, examples or other prose.

Usage: python3 extract.py SRC_DIR [out_dir]

SRC_DIR holds the published documents, saved under these names:

  stripe-fixtures3.json                  https://github.com/stripe/openapi (openapi/fixtures3.json, MIT)
  paypal-checkout_orders_v2.json         https://github.com/paypal/paypal-rest-api-specifications (openapi/checkout_orders_v2.json)
  paypal-payments_payment_v2.json        ... (openapi/payments_payment_v2.json)
  paypal-notifications_webhooks_v1.json  ... (openapi/notifications_webhooks_v1.json)

Stripe's fixtures are example objects, not schemas. Each fixture becomes a "shape": an
object with every key the fixture has (all required, no others: additionalProperties
false), each value typed like the fixture's value or null (the fixtures do not say what is
nullable; a null in the fixture allows any type). Objects that are empty in the fixture
(metadata, maps) are free-form.

out_dir defaults to this script's directory (stripe.json and paypal.json are committed there,
with the licences of their sources beside them).
"""
import json
import os
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__)
SRC = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))

KEEP = ("type", "required", "enum")


def shape(v):
    if v is None:
        return {}
    if isinstance(v, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(v, int):
        return {"type": ["integer", "null"]}
    if isinstance(v, float):
        return {"type": ["number", "null"]}
    if isinstance(v, str):
        return {"type": ["string", "null"]}
    if isinstance(v, list):
        out = {"type": ["array", "null"]}
        if v:
            out["items"] = shape(v[0])
        return out
    out = {"type": ["object", "null"]}
    if v:
        out["properties"] = {k: shape(x) for k, x in v.items()}
        out["required"] = sorted(v.keys())
        out["additionalProperties"] = False
    return out


def shape_nested(v):
    """Like shape(), but nested objects list no required keys (the fixtures fill every
    nested field, the API leaves out some); unknown keys stay forbidden."""
    s = shape(v)
    def drop(x):
        if isinstance(x, dict):
            x.pop("required", None)
            for sub in x.get("properties", {}).values():
                drop(sub)
            if "items" in x:
                drop(x["items"])
    for sub in s.get("properties", {}).values():
        drop(sub)
    return s


# Fields the fixtures carry that the API leaves out of the object by default (expandable
# or removed in later API versions): not required, still allowed.
OPTIONAL = {"charge": {"refunds", "source"}}


def top(name, v):
    s = shape_nested(v)
    s["type"] = "object"
    s["required"] = sorted(set(s["required"]) - OPTIONAL.get(name, set()))
    return s


def resolve(doc, s):
    while isinstance(s, dict) and "$ref" in s:
        node = doc
        for part in s["$ref"].lstrip("#/").split("/"):
            node = node[part]
        s = node
    return s


def strip(doc, s, depth=0):
    s = resolve(doc, s)
    if not isinstance(s, dict) or depth > 14:
        return {}
    out = {}
    for key in ("allOf", "oneOf", "anyOf"):
        if key in s:
            parts = [strip(doc, x, depth + 1) for x in s[key]]
            if key == "allOf":
                merged = {"properties": {}, "required": []}
                for p in parts:
                    merged["properties"].update(p.get("properties", {}))
                    merged["required"] += p.get("required", [])
                    if "type" in p:
                        merged["type"] = p["type"]
                if not merged["required"]:
                    del merged["required"]
                if not merged["properties"]:
                    del merged["properties"]
                out.update(merged)
            else:
                out[key] = parts
    for k in KEEP:
        if k in s:
            out[k] = sorted(set(out.get(k, []) + s[k])) if k == "required" else s[k]
    if "properties" in s:
        out.setdefault("properties", {})
        for name, sub in s["properties"].items():
            out["properties"][name] = strip(doc, sub, depth + 1)
    if "properties" in out:
        out.setdefault("type", "object")
    if "items" in s:
        out["items"] = strip(doc, s["items"], depth + 1)
    return out


def body(doc, path, method):
    rb = doc["paths"][path][method]["requestBody"]
    return strip(doc, rb["content"]["application/json"]["schema"])


def resp(doc, path, method, code):
    r = doc["paths"][path][method]["responses"][code]
    return strip(doc, r["content"]["application/json"]["schema"])


def main():
    fx = json.load(open(os.path.join(SRC, "stripe-fixtures3.json")))["resources"]
    stripe = {name: top(name, fx[name]) for name in
              ("checkout.session", "event", "refund", "charge", "payment_intent", "balance")}
    # An event's data.object is whichever resource it is about.
    stripe["event"]["properties"]["data"]["properties"]["object"] = {"type": "object"}

    orders = json.load(open(os.path.join(SRC, "paypal-checkout_orders_v2.json")))
    pay = json.load(open(os.path.join(SRC, "paypal-payments_payment_v2.json")))
    hooks = json.load(open(os.path.join(SRC, "paypal-notifications_webhooks_v1.json")))
    o, c = "/v2/checkout/orders", "/v2/checkout/orders/{id}"
    r = "/v2/payments/captures/{capture_id}/refund"
    v = "/v1/notifications/verify-webhook-signature"
    os_ = orders["components"]["schemas"]
    ps = pay["components"]["schemas"]
    paypal = {
        "orders.create.request": body(orders, o, "post"),
        "orders.create.201": resp(orders, o, "post", "201"),
        "orders.get.200": resp(orders, c, "get", "200"),
        "orders.capture.201": resp(orders, c + "/capture", "post", "201"),
        "captures.get.200": resp(pay, "/v2/payments/captures/{capture_id}", "get", "200"),
        "captures.refund.request": body(pay, r, "post"),
        "captures.refund.201": resp(pay, r, "post", "201"),
        "error.400": strip(orders, os_["error_400"]),
        "error.401": strip(orders, os_["error_401"]),
        "error.404": strip(orders, os_["error_404"]),
        "error.415": strip(orders, os_["error_415"]),
        "error.422": strip(orders, os_["error_422"]),
        "orders.capture.422": resp(orders, c + "/capture", "post", "422"),
        "captures.refund.422": resp(pay, r, "post", "422"),
        "refund.error.422": strip(pay, ps["error_422"]),
        "verify-webhook-signature.request": body(hooks, v, "post"),
        "verify-webhook-signature.200": resp(hooks, v, "post", "200"),
        "event": strip(hooks, hooks["components"]["schemas"]["event"]),
    }
    for name, data in (("stripe.json", stripe), ("paypal.json", paypal)):
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()
