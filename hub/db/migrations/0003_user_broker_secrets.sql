-- People's broker accounts no longer use their login passwords (guessable at a broker without a
-- throttle): each takes a generated secret from the API. Hashes made from passwords are dropped.
UPDATE "users" SET "mqtt_hash" = NULL;
