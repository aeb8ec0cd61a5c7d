"""Privacy: /datasaya (/mydata) and /hapusdata (/erasemydata) with its confirmation. Handlers: routes.register."""
