"""The data rights of reporters and volunteers (UU 27/2022): /datasaya, /hapusdata, the consent statements' terms,
and the retention of reporters' identities."""
