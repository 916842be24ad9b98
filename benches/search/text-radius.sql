-- Text within a radius: ts_rank decayed by distance (half-life of half the radius, as lieux),
-- the 20 best, and the number of matches.
\set i random(1, :count)
SELECT id, nom, score, count(*) OVER () AS total FROM (
  SELECT l.id, l.nom,
         ts_rank(l.tsv, q.query) * power(0.5, ST_Distance(l.geog, q.p) / (q.r / 2.0)) AS score
  FROM (SELECT to_tsquery('french', t) AS query,
               ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS p, r
        FROM q_text_radius WHERE i = :i) q
  JOIN lieux l ON l.tsv @@ q.query AND ST_DWithin(l.geog, q.p, q.r)) m
ORDER BY score DESC LIMIT 20;
