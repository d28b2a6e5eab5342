Console.WriteLine("autoresponder");
