-- Text only: the 20 best by ts_rank, and the number of matches.
\set i random(1, :count)
SELECT id, nom, score, count(*) OVER () AS total FROM (
  SELECT l.id, l.nom, ts_rank(l.tsv, q.query) AS score
  FROM (SELECT to_tsquery('french', t) AS query FROM q_text WHERE i = :i) q
  JOIN lieux l ON l.tsv @@ q.query) m
ORDER BY score DESC LIMIT 20;
