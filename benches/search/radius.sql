-- Radius only: the 20 nearest within the radius, and the number of places in it.
\set i random(1, :count)
SELECT id, nom, d, count(*) OVER () AS total FROM (
  SELECT l.id, l.nom, ST_Distance(l.geog, q.p) AS d
  FROM (SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS p, r
        FROM q_radius WHERE i = :i) q
  JOIN lieux l ON ST_DWithin(l.geog, q.p, q.r)) m
ORDER BY d LIMIT 20;
