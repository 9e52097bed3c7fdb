-- A report's figures are a document laid out in the order they were written; jsonb would sort
-- their keys. Earlier releases stored them as JSON strings (see 0005): those keep their order here.
ALTER TABLE "reports" ALTER COLUMN "figures" SET DATA TYPE json USING (CASE WHEN jsonb_typeof("figures") = 'string' THEN ("figures" #>> '{}')::json ELSE "figures"::json END);
