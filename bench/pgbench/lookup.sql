-- The SQL of one public tracking lookup (GET /api/v1/dossiers/track): the dossier by its code
-- with its procedure and agency, then its status history. A random seeded dossier each time.
\set id random(:low, :high)
SELECT d.*, p.*, a.* FROM dossiers_dossier d JOIN procedures_procedure p ON p.id = d.procedure_id JOIN agencies_agency a ON a.id = d.receiving_agency_id WHERE d.code = (SELECT code FROM dossiers_dossier WHERE id = :id) AND NOT d.is_draft ORDER BY d.submitted_at DESC, d.created_at DESC LIMIT 1;
SELECT * FROM dossiers_dossierstatuschange WHERE dossier_id = :id ORDER BY at, id;
