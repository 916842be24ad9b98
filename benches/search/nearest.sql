-- Nearest: the 10 places nearest to a position, with their distances (KNN on the GiST index).
\set i random(1, :count)
SELECT l.id, l.nom, ST_Distance(l.geog, q.p) AS d
FROM (SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS p
      FROM q_nearest WHERE i = :i) q
CROSS JOIN LATERAL (
  SELECT id, nom, geog FROM lieux ORDER BY lieux.geog <-> q.p LIMIT 10) l;
