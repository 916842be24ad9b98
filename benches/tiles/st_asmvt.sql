-- One vector tile of the places from PostGIS, as a tile server in front of it would ask:
-- every place in the tile (PostGIS does not cluster), projected into a 4096 extent with a
-- 64-unit buffer, with the same properties as lieux's place features.
\set i random(1, :count)
SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM (
  SELECT l.id, l.nom, l.commune, l.code_postal, l.services, l.typologie,
         l.dispositif_programmes_nationaux, l.frais_a_charge, l.horaires,
         ST_AsMVTGeom(l.geom, ST_TileEnvelope(q.z, q.x, q.y), 4096, 64) AS geom
  FROM (SELECT z, x, y FROM q_tiles WHERE i = :i) q
  JOIN lieux l ON l.geom && ST_TileEnvelope(q.z, q.x, q.y, margin => 64.0 / 4096)
) t;
