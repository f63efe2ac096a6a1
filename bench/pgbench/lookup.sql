-- The SQL of one public tracking lookup (GET /api/v1/dossiers/track), as in
-- tinhso/dossiers/tracking.py: the failed-attempt check, the dossier by its code with its
-- procedure and agency, and its status history, in one statement. A random seeded dossier each
-- time (its code looked up by id inside the statement: pgbench has no string variables).
\set id random(:low, :high)
WITH target AS (SELECT code FROM dossiers_dossier WHERE id = :id) SELECT f.failures, d.code, d.status, d.submitted_at, d.due_at, d.applicant_phone, d.applicant_cccd, p.name, a.name, h.to_status, h.at FROM (SELECT COALESCE(MAX(failures), 0) AS failures FROM dossiers_trackingfailure WHERE "key" IN ('ip:127.0.0.1', 'code:' || (SELECT code FROM target)) AND window_ends > now()) f LEFT JOIN dossiers_dossier d ON d.code = (SELECT code FROM target) AND NOT d.is_draft LEFT JOIN procedures_procedure p ON p.id = d.procedure_id LEFT JOIN agencies_agency a ON a.id = d.receiving_agency_id LEFT JOIN dossiers_dossierstatuschange h ON h.dossier_id = d.id ORDER BY h.at, h.id;
