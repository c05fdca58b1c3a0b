-- Web Push (RFC 8030/8291/8292): the server's VAPID key pair, made on first start and kept
-- here so that every node and every backup has it, and the operators' push subscriptions
-- (one per browser: its push-service endpoint and its P-256 key and auth secret). Deliveries
-- are outbox rows of kind `push`, subject = the subscription's id.

CREATE TABLE push_vapid_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    private_pkcs8 TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_operator ON push_subscriptions(operator_id);
