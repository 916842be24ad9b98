-- Completion: 8 names matching the typed prefix (unranked, which favours PostgreSQL).
\set i random(1, :count)
SELECT l.id, l.nom
FROM (SELECT to_tsquery('french', t) AS query FROM q_suggest WHERE i = :i) q
JOIN lieux l ON l.nom_tsv @@ q.query
LIMIT 8;
