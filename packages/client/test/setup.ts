// Imported first by every test file: google-auth-library must never probe 169.254.169.254.
process.env['METADATA_SERVER_DETECTION'] = 'none';
